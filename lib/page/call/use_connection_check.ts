/**
 * **Check my connection**: runs the network check (loaded when first
 * used) against the ICE servers the page was handed, and says what it
 * found in a sentence. A Preact hook for the island.
 * @module
 */
import { type Signal, useSignal } from "@preact/signals";
import type { CallMachine } from "./call_machine.ts";
import type { NetworkCheckDeps } from "./network_check.ts";
import { CHECKING_NETWORK, networkSentence } from "./words.ts";

/** The check's state as the page shows it, and how to start it. */
export interface ConnectionCheck {
  checking: Signal<boolean>;
  result: Signal<string>;
  check(): Promise<void>;
}

/** The connection check over `peers` and the ICE servers `machine` holds. */
export function useConnectionCheck(
  machine: CallMachine,
  peers: NetworkCheckDeps,
): ConnectionCheck {
  const checking = useSignal(false);
  const result = useSignal("");
  return {
    checking,
    result,
    async check() {
      checking.value = true;
      result.value = CHECKING_NETWORK;
      const { checkNetwork } = await import("./network_check.ts");
      const report = await checkNetwork(
        peers,
        machine.signaling.iceServers.value,
      );
      result.value = networkSentence(report);
      checking.value = false;
    },
  };
}
