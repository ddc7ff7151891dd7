/**
 * Ringtone and ringback made with Web Audio: no sound files to download.
 * The ringtone (incoming) rings twice a second in bursts; the ringback
 * (outgoing) is the 440 + 480 Hz tone, 2 s on and 4 s off.
 * @module
 */

/** Plays and stops the call's sounds. */
export interface Ringer {
  play(kind: "ringtone" | "ringback"): void;
  stop(): void;
}

const PATTERNS = {
  ringtone: {
    tones: [880, 1100],
    onMs: 400,
    offMs: 200,
    groupMs: 3_000,
    bursts: 2,
  },
  ringback: {
    tones: [440, 480],
    onMs: 2_000,
    offMs: 0,
    groupMs: 6_000,
    bursts: 1,
  },
};

/** A ringer on a Web Audio context made when first needed (browsers allow it after a click). */
export function createRinger(makeContext: () => AudioContext): Ringer {
  let context: AudioContext | null = null;
  let nodes: AudioNode[] = [];
  return {
    play(kind) {
      this.stop();
      context ??= makeContext();
      const pattern = PATTERNS[kind];
      const gain = context.createGain();
      gain.gain.value = 0;
      gain.connect(context.destination);
      const start = context.currentTime;
      // Schedule a minute of the pattern ahead; stop() cuts it short.
      for (let group = 0; group * pattern.groupMs < 60_000; group++) {
        for (let burst = 0; burst < pattern.bursts; burst++) {
          const on = start +
            (group * pattern.groupMs + burst * (pattern.onMs + pattern.offMs)) /
              1000;
          gain.gain.setValueAtTime(0.15, on);
          gain.gain.setValueAtTime(0, on + pattern.onMs / 1000);
        }
      }
      nodes = [
        gain,
        ...pattern.tones.map((frequency) => {
          const oscillator = context!.createOscillator();
          oscillator.frequency.value = frequency;
          oscillator.connect(gain);
          oscillator.start();
          return oscillator;
        }),
      ];
    },
    stop() {
      for (const node of nodes) {
        if (node instanceof OscillatorNode) node.stop();
        node.disconnect();
      }
      nodes = [];
    },
  };
}
