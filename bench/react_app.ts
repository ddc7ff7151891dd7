/**
 * The seed's stack for the same job, for the page-weight comparison: a
 * React 19 + react-dom + Zustand app with a store and a component. Bundled
 * and measured by the benchmark; never served.
 */
import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { create } from "zustand";

const useCall = create<
  { state: string; peer: string; call(peer: string): void }
>((set) => ({
  state: "idle",
  peer: "",
  call: (peer) => set({ state: "calling", peer }),
}));

function CallInterface() {
  const { state, peer, call } = useCall();
  return h(
    "main",
    null,
    h("p", { role: "status" }, `${state} ${peer}`),
    h("button", { onClick: () => call("bob") }, "Video call"),
  );
}

createRoot(document.getElementById("root")!).render(h(CallInterface));
