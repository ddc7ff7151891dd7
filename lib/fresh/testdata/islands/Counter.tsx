import type { Signal } from "@preact/signals";

export default function Counter(props: { count: Signal<number> }) {
  return (
    <button type="button" class="px-2" onClick={() => props.count.value++}>
      Count {props.count}
    </button>
  );
}
