/**
 * "Call back" from the history page: the page leaves the id in this tab's
 * `sessionStorage` and opens the calling page, which places the call once
 * signed in. Not a URL parameter: a link from anywhere could then make the
 * reader call its author, camera on.
 * @module
 */

const KEY = "nexus-call.call-back";

/** Leaves `peer` for the calling page to call, in this tab. */
export function leaveCallBack(storage: Storage, peer: string): void {
  storage.setItem(KEY, peer);
}

/** The id left to call back, taken: a reload does not call again. */
export function takeCallBack(storage: Storage): string | null {
  const peer = storage.getItem(KEY);
  storage.removeItem(KEY);
  return peer;
}
