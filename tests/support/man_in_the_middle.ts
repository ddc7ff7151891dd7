/**
 * A man in the middle of a call, in a browser page of its own: it takes
 * the caller's offer in place of the callee, calls the callee itself, and
 * forwards the tracks and the data channel's messages both ways, so that
 * the call works and both people see each other. With a `SignalingRelay`
 * it is the attack a verification code exists to reveal. Test-only.
 */
import type { Browser, Page } from "playwright-core";
import type { Diverter, Frame, SignalingRelay } from "./signaling_relay.ts";

/** Runs in the attacker's page: two peer connections, one to each person. */
const ATTACKER = `
  window.attacker = (() => {
    const caller = new RTCPeerConnection();
    const callee = new RTCPeerConnection();
    // The app's chat channel, agreed on both sides as id 0.
    const channels = [caller, callee].map((pc) =>
      pc.createDataChannel("nexus", { negotiated: true, id: 0 })
    );
    channels[0].onmessage = (event) => channels[1].readyState === "open" && channels[1].send(event.data);
    channels[1].onmessage = (event) => channels[0].readyState === "open" && channels[0].send(event.data);
    const gathered = (pc) => new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () =>
        pc.iceGatheringState === "complete" && resolve());
    });
    const described = async (pc) => {
      await gathered(pc);
      return { type: pc.localDescription.type, sdp: pc.localDescription.sdp };
    };
    /** Sends on "to" what arrives on "from"'s transceivers, kind by kind, as one stream. */
    const forward = (from, to, addTo) => {
      const stream = new MediaStream();
      const tracks = from.getTransceivers().map((t) => t.receiver.track);
      tracks.forEach((track) => stream.addTrack(track));
      if (addTo) {
        for (const track of tracks) to.addTransceiver(track, { direction: "sendrecv", streams: [stream] });
        return;
      }
      // The callee's sections are the caller's, in the caller's order.
      to.getTransceivers().forEach((t, i) => {
        t.sender.replaceTrack(tracks[i] ?? null);
        t.sender.setStreams(stream);
        t.direction = "sendrecv";
      });
    };
    return {
      /** The caller's offer, taken: the offer the attacker makes the callee instead. */
      async offerFromCaller(offer) {
        await caller.setRemoteDescription(offer);
        forward(caller, callee, true);
        await callee.setLocalDescription();
        return described(callee);
      },
      /** The callee's answer, taken: the answer the attacker gives the caller instead. */
      async answerFromCallee(answer) {
        await callee.setRemoteDescription(answer);
        forward(callee, caller, false);
        await caller.setLocalDescription();
        return described(caller);
      },
      /** A later offer from either person (an ICE restart): answered on that leg alone. */
      async reoffer(side, offer) {
        const pc = side === "caller" ? caller : callee;
        await pc.setRemoteDescription(offer);
        await pc.setLocalDescription();
        return described(pc);
      },
      candidate(side, candidate) {
        return (side === "caller" ? caller : callee).addIceCandidate(candidate).catch(() => {});
      },
    };
  })();
`;

/** The attacker between `callerId` and `calleeId`: a page, and what the relay does with their frames. */
export interface ManInTheMiddle {
  divert: Diverter;
  /** Off: the relay forwards everything, as an honest server would. */
  attacking: boolean;
  /** Where the relay reaches both pages; set once the relay runs. */
  relay: SignalingRelay | null;
  page: Page;
}

/** Opens the attacker's page in `browser`, at `origin` (loopback is a secure context). */
export async function manInTheMiddle(
  browser: Browser,
  origin: string,
  callerId: string,
  calleeId: string,
): Promise<ManInTheMiddle> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/healthz`);
  await page.evaluate(ATTACKER);
  const attack: ManInTheMiddle = {
    page,
    relay: null,
    attacking: false,
    async divert(user, frame: Frame) {
      if (!attack.attacking) return false;
      const relay = attack.relay!;
      const side = user === callerId ? "caller" : "callee";
      const other = side === "caller" ? calleeId : callerId;
      const payload = frame.payload;
      // What the attacker makes of `user`'s frame reaches the other person as if from `user`.
      const as = (type: string, body: Record<string, unknown>) =>
        relay.deliver(other, {
          type,
          payload: { ...body, from: user, to: other },
        });
      switch (frame.type) {
        case "webrtc:candidate":
          await page.evaluate(
            ([side, candidate]) =>
              (window as unknown as {
                attacker: { candidate(s: unknown, c: unknown): Promise<void> };
              }).attacker.candidate(side, candidate),
            [side, payload.candidate],
          );
          return true;
        case "webrtc:offer": {
          if (side === "caller" && !offered) {
            offered = true;
            const offer = await call("offerFromCaller", payload.offer);
            // The callee takes an offer only once its call rings.
            await relay.untilDelivered(calleeId, "call:request");
            as("webrtc:offer", { offer });
            return true;
          }
          const answer = await call("reoffer", side, payload.offer);
          relay.deliver(user, {
            type: "webrtc:answer",
            payload: { answer, from: other, to: user },
          });
          return true;
        }
        case "webrtc:answer": {
          const answer = await call("answerFromCallee", payload.answer);
          as("webrtc:answer", { answer });
          return true;
        }
      }
      return false;
    },
  };
  let offered = false;
  const call = (method: string, ...args: unknown[]) =>
    page.evaluate(
      ([method, args]) =>
        // deno-lint-ignore no-explicit-any
        (window as any).attacker[method as string](...(args as unknown[])),
      [method, args] as const,
    );
  return attack;
}
