/** The hub of this server process, made on first use from the server's settings. */
import { serverConfig } from "../config.ts";
import { SignalingHub } from "./hub.ts";

let hub: SignalingHub | undefined;

/** This process's signaling hub. */
export function signalingHub(): SignalingHub {
  return hub ??= new SignalingHub(serverConfig());
}
