/** Who else is online, live; pressing a name starts a video call. */
export function OnlineList(
  props: { users: string[]; inCall: string[]; onCall(userId: string): void },
) {
  return (
    <section aria-labelledby="online-heading" class="mt-4">
      <h2
        id="online-heading"
        class="text-sm font-semibold text-gray-600 dark:text-gray-300"
      >
        Online
      </h2>
      {props.users.length === 0
        ? (
          <p class="text-sm text-gray-500 dark:text-gray-400">
            Nobody else is online yet.
          </p>
        )
        : (
          <ul class="flex flex-wrap gap-2 mt-1">
            {props.users.map((user) => (
              <li key={user} class="flex items-center gap-1">
                <button
                  type="button"
                  class="px-3 py-1 rounded-full bg-green-100 text-green-900 hover:bg-green-200"
                  onClick={() =>
                    props.onCall(user)}
                >
                  {user}
                </button>
                {props.inCall.includes(user) && (
                  <span class="text-xs text-gray-500 dark:text-gray-400">
                    in a call
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
