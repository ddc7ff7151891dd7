import { useSignal } from "@preact/signals";
import type { ChatMessage } from "../lib/page/call/types.ts";
import { Button } from "./Button.tsx";

/** The call's chat: messages go peer to peer, the server never sees them. */
export function ChatPanel(
  props: {
    peer: string;
    messages: ChatMessage[];
    onSend(text: string): boolean;
  },
) {
  const draft = useSignal("");
  return (
    <div class="flex flex-col gap-2">
      <ol
        aria-live="polite"
        aria-label="Chat messages"
        class="flex flex-col gap-1 overflow-y-auto text-sm"
      >
        {props.messages.map((message, i) => (
          <li
            key={i}
            class={message.mine
              ? "self-end bg-blue-100 dark:bg-blue-900 rounded-lg px-2 py-1"
              : "self-start bg-gray-100 dark:bg-gray-800 rounded-lg px-2 py-1"}
          >
            <span class="sr-only">{message.mine ? "You" : props.peer}:</span>
            {" "}
            {message.text}
          </li>
        ))}
      </ol>
      <form
        class="flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (props.onSend(draft.value)) draft.value = "";
        }}
      >
        <label class="grow flex">
          <span class="sr-only">Chat message</span>
          <input
            class="grow px-2 py-1 border rounded-lg bg-white dark:bg-gray-800"
            maxLength={2000}
            placeholder={`Message ${props.peer}`}
            value={draft.value}
            onInput={(event) => draft.value = event.currentTarget.value}
          />
        </label>
        <Button type="submit">Send</Button>
      </form>
    </div>
  );
}
