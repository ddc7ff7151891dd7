import type { PageProps } from "$fresh/server.ts";
import CallInterface from "../islands/CallInterface.tsx";

export default function Home({ url }: PageProps) {
  return (
    <CallInterface
      defaultUserId={url.searchParams.get("userId") ?? undefined}
    />
  );
}
