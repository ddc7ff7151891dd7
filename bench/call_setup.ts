/**
 * What the call-setup benchmarks run in the page: the probe that notes when
 * Accept was pressed and when each side showed its first remote frame, and
 * the machine's floor (two peer connections wired inside one page).
 */

/** Registers, in every page, a callback on the first frame of the remote video of each call, and when Accept was pressed. */
export const FIRST_FRAME_PROBE = `
  window.__firstRemoteFrame = null;
  setInterval(() => {
    const video = document.querySelector('[data-testid="remote-video"]');
    if (!video || video.__watched) return;
    video.__watched = true;
    video.requestVideoFrameCallback(() => {
      window.__firstRemoteFrame ??= performance.timeOrigin + performance.now();
    });
  }, 2);
  document.addEventListener("click", (event) => {
    if (event.target.closest("button")?.textContent.includes("Accept")) {
      window.__acceptedAt = performance.timeOrigin + performance.now();
    }
  }, true);
`;

/** In one page: two peer connections wired directly, from the callee's camera to the first frame on both sides. */
export const FLOOR = async () => {
  const caller = await navigator.mediaDevices.getUserMedia({
    video: true,
    audio: true,
  });
  const started = performance.now();
  const callee = await navigator.mediaDevices.getUserMedia({
    video: true,
    audio: true,
  });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const frame = (pc: RTCPeerConnection) =>
    new Promise<number>((resolve) => {
      pc.ontrack = (e) => {
        if (e.track.kind !== "video") return;
        const video = document.createElement("video");
        video.muted = true;
        video.srcObject = e.streams[0];
        document.body.append(video);
        video.play();
        video.requestVideoFrameCallback(() => resolve(performance.now()));
      };
    });
  const frames = Promise.all([frame(a), frame(b)]);
  for (const track of caller.getTracks()) a.addTrack(track, caller);
  for (const track of callee.getTracks()) b.addTrack(track, callee);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
  const done = Math.max(...await frames);
  for (const track of [...caller.getTracks(), ...callee.getTracks()]) {
    track.stop();
  }
  a.close();
  b.close();
  document.querySelectorAll("video").forEach((video) => video.remove());
  return done - started;
};
