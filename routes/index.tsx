import type { PageProps } from "$fresh/server.ts";
import CallInterface from "../islands/CallInterface.tsx";
import { serverConfig } from "../lib/config.ts";

export default function Home({ url }: PageProps) {
  return (
    <CallInterface
      defaultUserId={url.searchParams.get("userId") ?? undefined}
      tokenMode={serverConfig().jwtSecret !== null}
    />
  );
}
