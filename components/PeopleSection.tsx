import { Button, type ButtonTone } from "./Button.tsx";

/** Something one can do about a person in a list: a button named `<label> <id>`. */
export interface PersonAction {
  label: string;
  tone?: ButtonTone;
  run(userId: string): void;
}

/** A titled list of people, each with the same actions; `empty` when there is nobody. */
export function PeopleSection(props: {
  title: string;
  /** The region's accessible name. */
  label: string;
  empty: string;
  people: { userId: string; words: string }[];
  actions: PersonAction[];
}) {
  return (
    <section aria-label={props.label} class="flex flex-col gap-2">
      <h2 class="text-lg font-medium">{props.title}</h2>
      {props.people.length === 0 && <p>{props.empty}</p>}
      <ul class="flex flex-col gap-1">
        {props.people.map(({ userId, words }) => (
          <li key={userId} class="flex flex-wrap items-center gap-2">
            <span>{words}</span>
            {props.actions.map((action) => (
              <Button
                key={action.label}
                tone={action.tone}
                aria-label={`${action.label} ${userId}`}
                onClick={() => action.run(userId)}
              >
                {action.label}
              </Button>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
