/**
 * Recording a call: started, stopped, the file handed over once under the
 * peer's name; and a browser that cannot record.
 * @module
 */
import assert from "node:assert/strict";
import { CallRecording } from "./call_recording.ts";

Deno.test("call recording: a finished recording is handed over once, named after the peer", async () => {
  const files: [Blob, string][] = [];
  const recording = new CallRecording({
    recordCall: () => ({ stop: () => Promise.resolve(new Blob(["webm"])) }),
    download: (file, name) => files.push([file, name]),
  });
  assert.equal(recording.available, true);
  recording.start({} as MediaStream, null);
  assert.equal(recording.recording.value, true);
  await recording.finish("bob");
  await recording.finish("bob");
  assert.equal(recording.recording.value, false);
  assert.equal(files.length, 1);
  assert.match(
    files[0][1],
    /^nexus-call-bob-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.webm$/,
  );
});

Deno.test("call recording: a browser without MediaRecorder cannot record", () => {
  assert.equal(new CallRecording({}).available, false);
});
