import { useEffect, useState } from "preact/hooks";

/** How long the call has lasted, as m:ss. */
export function CallTimer(props: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor((now - props.since) / 1000));
  const text = `${Math.floor(seconds / 60)}:${
    String(seconds % 60).padStart(2, "0")
  }`;
  return (
    <span aria-label={`Call time ${text}`} class="font-mono text-sm">
      {text}
    </span>
  );
}
