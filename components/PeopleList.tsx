import { Icon } from "./Icon.tsx";

/**
 * The people one can call, as a phone's list shows them: each with a
 * letter for a face, whether they are online or in a call, and their name
 * as the button that calls them (video). Online people come first.
 */
export function PeopleList(
  props: {
    /** Who is listed whether online or not (accounts mode: one's contacts). */
    known: string[];
    /** Whether this server shares who is online; without it, nobody's state is shown. */
    presence: boolean;
    online: string[];
    inCall: string[];
    /** The list's heading: "Contacts" or "Online". */
    title: string;
    /** Said when nobody is listed. */
    empty: string;
    onCall(userId: string): void;
  },
) {
  const online = new Set(props.online);
  const people = [
    ...props.online,
    ...props.known.filter((user) => !online.has(user)),
  ];
  return (
    <section aria-labelledby="people-heading">
      <h2
        id="people-heading"
        class="text-sm font-semibold text-gray-700 dark:text-gray-300"
      >
        {props.title}
      </h2>
      {people.length === 0
        ? <p class="text-sm text-gray-700 dark:text-gray-300">{props.empty}</p>
        : (
          <ul class="divide-y dark:divide-gray-700">
            {people.map((user) => (
              <li key={user} class="flex items-center gap-3 py-1">
                <button
                  type="button"
                  class="grow min-w-0 flex items-center gap-3 p-2 rounded-lg text-left hover:bg-gray-100 dark:hover:bg-gray-800 focus:outline-none focus:ring-2 focus:ring-blue-700 dark:focus:ring-blue-300"
                  onClick={() =>
                    props.onCall(user)}
                >
                  <span
                    aria-hidden="true"
                    class="w-10 h-10 shrink-0 rounded-full bg-blue-700 text-white flex items-center justify-center font-semibold"
                  >
                    {user[0].toUpperCase()}
                  </span>
                  <span class="grow truncate font-medium">{user}</span>
                  <span
                    aria-hidden="true"
                    class="text-blue-700 dark:text-blue-300"
                  >
                    <Icon name="camera" />
                  </span>
                </button>
                {props.presence && (
                  <span class="w-20 shrink-0 text-sm text-gray-700 dark:text-gray-300">
                    {!online.has(user)
                      ? "offline"
                      : props.inCall.includes(user)
                      ? "in a call"
                      : "online"}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
