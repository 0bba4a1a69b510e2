// Work the first numbers need not wait for: it runs once the frame that shows them is painted
// (an animation frame runs just before a paint, a task queued from it just after). A hidden tab
// paints nothing, so the work waits until the tab is shown; callers check that it still applies.
export const afterPaint = (work) => requestAnimationFrame(() => setTimeout(work));
