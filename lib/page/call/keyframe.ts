/**
 * A fresh keyframe after a gap. Video frames after the first depend on the
 * ones before; a receiver that lost some while the path was down shows
 * nothing until the next keyframe. It asks for one (a PLI), but that
 * request went out while the path was still dead, and the browser asks
 * again only some three seconds later. The sender knows the path is back
 * when media from the peer arrives again, and restarts its encoder then,
 * whose first frame is a keyframe: no waiting for the receiver's next ask.
 * Browser-only; it never imports server code.
 * @module
 */

/** Restarts `sender`'s encoder by turning its encodings off and on; best effort. */
export async function sendKeyframe(sender: RTCRtpSender): Promise<void> {
  try {
    for (const active of [false, true]) {
      const parameters = sender.getParameters();
      if (!parameters.encodings?.length) return;
      for (const encoding of parameters.encodings) encoding.active = active;
      await sender.setParameters(parameters);
    }
  } catch {
    // A sender that was replaced or closed meanwhile: its receiver asks in time.
  }
}
