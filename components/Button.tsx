import type { ButtonHTMLAttributes } from "preact";

/** How a button looks: the main action, a warning, or a quiet one. */
export type ButtonTone = "primary" | "danger" | "accept" | "plain";

const TONES: Record<ButtonTone, string> = {
  primary: "bg-blue-600 text-white hover:bg-blue-700",
  danger: "bg-red-600 text-white hover:bg-red-700",
  accept: "bg-green-700 text-white hover:bg-green-800",
  plain: "bg-gray-200 text-gray-900 hover:bg-gray-300",
};

/** A button of the app. */
export function Button(
  { tone = "plain", class: extra = "", ...props }:
    & ButtonHTMLAttributes<HTMLButtonElement>
    & {
      tone?: ButtonTone;
      class?: string;
    },
) {
  return (
    <button
      type="button"
      class={`px-4 py-2 rounded-lg font-medium focus:outline-none focus:ring-2 focus:ring-offset-2 focus:ring-blue-700 dark:focus:ring-blue-300 dark:focus:ring-offset-gray-900 disabled:opacity-50 ${
        TONES[tone]
      } ${extra}`}
      {...props}
    />
  );
}
