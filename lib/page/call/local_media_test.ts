/**
 * Local media over fake devices: one capture helper, the camera turned off
 * and re-acquired, a device switched mid-call, screen sharing, a device that
 * stops by itself, and what an attempt that was overtaken opened.
 * @module
 */
import assert from "node:assert/strict";
import { FakeMedia, FakeTrack } from "../../../tests/support/fake_webrtc.ts";
import { memoryStore } from "../../../tests/support/memory_store.ts";
import { LocalMedia, type MediaScope } from "./local_media.ts";

/** Local media in an active video call; what it sent and said is recorded. */
function inCall(display?: () => Promise<MediaStream>) {
  const devices = new FakeMedia();
  const saved = new Map<string, string>();
  const sent: ["audio" | "video", MediaStreamTrack | null][] = [];
  const notices: string[] = [];
  let changes = 0;
  let seq = 1;
  const scope: MediaScope = {
    seq: () => seq,
    inCall: () => true,
    active: () => true,
    withVideo: () => true,
    notify: (sentence) => notices.push(sentence),
    send: (kind, track) => {
      sent.push([kind, track]);
      return Promise.resolve();
    },
    changed: () => changes++,
  };
  const media = new LocalMedia({
    getUserMedia: devices.getUserMedia,
    getDisplayMedia: display,
    store: memoryStore(saved),
  }, scope);
  return {
    media,
    devices,
    saved,
    sent,
    notices,
    changes: () => changes,
    nextCall: () => seq++,
  };
}

async function opened(t: ReturnType<typeof inCall>) {
  const captured = await t.media.capture({ video: true, audio: true });
  assert.ok(captured && "stream" in captured);
  t.media.use(captured.stream);
}

Deno.test("local media: a capture the call moved on from is stopped, not used", async () => {
  const t = inCall();
  t.devices.hold();
  const capture = t.media.capture({ video: true, audio: true });
  t.nextCall();
  t.devices.release();
  assert.equal(await capture, null);
  assert.ok(t.devices.tracks().every((track) => track.readyState === "ended"));
});

Deno.test("local media: a refused capture is a sentence saying what to do", async () => {
  const t = inCall();
  t.devices.failWith = "NotAllowedError";
  const captured = await t.media.capture({ video: true, audio: true });
  assert.deepEqual(captured, {
    problem:
      "Access to the camera or microphone was blocked. Allow it in the browser's site settings, then try again.",
  });
});

Deno.test("local media: camera off stops its track and sends none; on again re-acquires and sends the new one", async () => {
  const t = inCall();
  await opened(t);
  const [first] = t.devices.streams[0].getVideoTracks();
  await t.media.toggleCamera();
  assert.equal(first.readyState, "ended");
  assert.deepEqual(t.sent.at(-1), ["video", null]);
  await t.media.toggleCamera();
  const [again] = t.media.stream.value!.getVideoTracks();
  assert.notEqual(again, first);
  assert.equal(t.sent.at(-1)![1], again);
  assert.equal(t.media.cameraOff.value, false);
  assert.equal(t.changes(), 2);
});

Deno.test("local media: a camera that cannot be re-acquired stays off, in words", async () => {
  const t = inCall();
  await opened(t);
  await t.media.toggleCamera();
  t.devices.failWith = "NotReadableError";
  await t.media.toggleCamera();
  assert.equal(t.media.cameraOff.value, true);
  assert.match(t.notices.at(-1)!, /could not be started/);
});

Deno.test("local media: a microphone chosen mid-call is remembered and swapped in, still muted", async () => {
  const t = inCall();
  await opened(t);
  t.media.toggleMute();
  await t.media.chooseDevice("microphone", "usb-mic");
  assert.deepEqual(JSON.parse(t.saved.get("nexus-call.devices")!), {
    microphone: "usb-mic",
  });
  const [track] = t.media.stream.value!.getAudioTracks();
  assert.equal(t.sent.at(-1)![1], track);
  assert.equal(track.enabled, false);
});

Deno.test("local media: sharing the screen sends it; its end brings the camera back", async () => {
  const screen = new FakeTrack("video");
  const t = inCall(() =>
    Promise.resolve(
      { getVideoTracks: () => [screen] } as unknown as MediaStream,
    )
  );
  await opened(t);
  await t.media.toggleScreenShare();
  assert.equal(t.media.sharing.value, true);
  assert.equal(t.sent.at(-1)![1], screen as unknown as MediaStreamTrack);
  screen.unplug();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(t.media.sharing.value, false);
  const [camera] = t.media.stream.value!.getVideoTracks();
  assert.equal(t.sent.at(-1)![1], camera);
});

Deno.test("local media: a device unplugged mid-call ends its track, not the call, and says so", async () => {
  const t = inCall();
  await opened(t);
  const [camera] = t.devices.streams[0].getVideoTracks() as FakeTrack[];
  camera.unplug();
  assert.equal(t.media.cameraOff.value, true);
  assert.equal(
    t.notices.at(-1),
    "Your camera stopped. Press Camera off to turn it on again.",
  );
});
