/** The id of the running build, which `asset()` and bundle URLs carry. */
let currentBuildId = "";

/** The id of the running build; empty before a server has loaded one. */
export function buildId(): string {
  return currentBuildId;
}

/** Records the id of the build a server serves. */
export function setBuildId(id: string): void {
  currentBuildId = id;
}
