// Search: the header's search box and the results pane. Interface used by shell.js (the search
// work fills it in): searchBox() → an element or null.
export function searchBox() { return null; }
