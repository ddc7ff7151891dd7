/**
 * A man in the middle of a call, in a browser page of its own: it takes
 * the caller's offer in place of the callee, calls the callee itself, and
 * forwards the tracks and the data channel's messages both ways, so that
 * the call works and both people see each other. With a `SignalingRelay`
 * it is the attack a verification code exists to reveal. Test-only.
 */
import type { Browser, Page } from "playwright-core";
import type { Diverter, Frame, SignalingRelay } from "./signaling_relay.ts";

/**
 * Runs in the attacker's page: a connection to the callee, and one to the
 * caller, made again for each new offer of the caller (an offer made again
 * after a rollback may order its sections differently).
 */
const ATTACKER = `
  window.attacker = (() => {
    const gathered = (pc) => new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () =>
        pc.iceGatheringState === "complete" && resolve());
    });
    const described = async (pc) => {
      await gathered(pc);
      return { type: pc.localDescription.type, sdp: pc.localDescription.sdp };
    };
    const received = (pc) => pc.getTransceivers().map((t) => t.receiver.track);
    /** Sends "tracks" on "pc"'s sections, in order, as one stream. */
    const send = (pc, tracks) => {
      const stream = new MediaStream(tracks);
      pc.getTransceivers().forEach((t, i) => {
        t.sender.replaceTrack(tracks[i] ?? null);
        t.sender.setStreams(stream);
        t.direction = "sendrecv";
      });
    };
    let caller = null;
    let callee = null;
    let calleeTracks = null;
    // The app's chat channel, agreed on both sides as id 0, relayed between them.
    const channels = {};
    const relayChat = (pc, side) => {
      const channel = channels[side] = pc.createDataChannel("nexus", { negotiated: true, id: 0 });
      channel.onmessage = (event) => {
        const other = channels[side === "caller" ? "callee" : "caller"];
        if (other?.readyState === "open") other.send(event.data);
      };
    };
    const answerCaller = async () => {
      send(caller, calleeTracks);
      await caller.setLocalDescription();
      return described(caller);
    };
    return {
      /**
       * A new offer of the caller: a new connection takes it. The first makes
       * the offer for the callee (returned); later ones are answered at once
       * when the callee has answered (returned), else with the callee's answer.
       */
      async callerOffer(offer) {
        caller?.close();
        caller = new RTCPeerConnection();
        relayChat(caller, "caller");
        await caller.setRemoteDescription(offer);
        if (!callee) {
          callee = new RTCPeerConnection();
          relayChat(callee, "callee");
          const tracks = received(caller);
          const stream = new MediaStream(tracks);
          for (const track of tracks) {
            callee.addTransceiver(track, { direction: "sendrecv", streams: [stream] });
          }
          await callee.setLocalDescription();
          return described(callee);
        }
        send(callee, received(caller));
        return calleeTracks ? answerCaller() : null;
      },
      /** The callee's answer, taken: the answer for the caller instead. */
      async calleeAnswer(answer) {
        await callee.setRemoteDescription(answer);
        calleeTracks = received(callee);
        return answerCaller();
      },
      /** A later offer of the callee (an ICE restart), answered on its leg. */
      async calleeOffer(offer) {
        await callee.setRemoteDescription(offer);
        await callee.setLocalDescription();
        return described(callee);
      },
      candidate(side, candidate) {
        const pc = side === "caller" ? caller : callee;
        return pc?.addIceCandidate(candidate).catch(() => {});
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
  // One step at a time in the page: both people's frames touch the same connections.
  let turn: Promise<unknown> = Promise.resolve();
  const step = <T>(method: string, ...args: unknown[]): Promise<T> => {
    const result = turn.then(() =>
      page.evaluate(
        ([method, args]) =>
          // deno-lint-ignore no-explicit-any
          (window as any).attacker[method as string](...(args as unknown[])),
        [method, args] as const,
      )
    );
    turn = result.catch(() => {});
    return result as Promise<T>;
  };
  let callerOffer = "";
  const attack: ManInTheMiddle = {
    page,
    relay: null,
    attacking: false,
    async divert(user, frame: Frame) {
      if (!attack.attacking) return false;
      const relay = attack.relay!;
      const fromCaller = user === callerId;
      const other = fromCaller ? calleeId : callerId;
      // What the attacker makes reaches each person as if from the other.
      const tell = (to: string, type: string, body: Record<string, unknown>) =>
        relay.deliver(to, {
          type,
          payload: { ...body, from: to === calleeId ? callerId : calleeId, to },
        });
      const payload = frame.payload;
      switch (frame.type) {
        case "webrtc:candidate":
          await step(
            "candidate",
            fromCaller ? "caller" : "callee",
            payload.candidate,
          );
          return true;
        case "webrtc:offer": {
          if (!fromCaller) {
            tell(user, "webrtc:answer", {
              answer: await step("calleeOffer", payload.offer),
            });
            return true;
          }
          const sdp = (payload.offer as { sdp?: string }).sdp ?? "";
          // The same offer sent again (the callee answered before it prepared): nothing new.
          if (sdp === callerOffer) return true;
          const first = callerOffer === "";
          callerOffer = sdp;
          const made = await step<RTCSessionDescriptionInit | null>(
            "callerOffer",
            payload.offer,
          );
          if (first) {
            // The callee takes an offer only once its call rings.
            await relay.untilDelivered(calleeId, "call:request");
            tell(other, "webrtc:offer", { offer: made });
          } else if (made) {
            tell(user, "webrtc:answer", { answer: made });
          }
          return true;
        }
        case "webrtc:answer":
          tell(other, "webrtc:answer", {
            answer: await step("calleeAnswer", payload.answer),
          });
          return true;
      }
      return false;
    },
  };
  return attack;
}
