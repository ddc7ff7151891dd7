import { createContext, type VNode } from "preact";

/** Collects what `<Head>` elements render while a page renders on the server. */
export const HeadContext = createContext<VNode[] | undefined>(undefined);
