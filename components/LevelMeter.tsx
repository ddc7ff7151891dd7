import { useEffect, useState } from "preact/hooks";

/** A microphone level meter for a stream, from a Web Audio analyser. */
export function LevelMeter(props: { stream: MediaStream | null }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    const stream = props.stream;
    if (!stream?.getAudioTracks().length) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    const read = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      setLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
      frame = requestAnimationFrame(read);
    };
    read();
    return () => {
      cancelAnimationFrame(frame);
      context.close();
    };
  }, [props.stream]);
  return (
    <label class="flex items-center gap-2 text-sm">
      Microphone level
      <meter min={0} max={1} value={level} class="w-32" />
    </label>
  );
}
