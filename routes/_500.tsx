export default function ServerError() {
  return (
    <main class="max-w-3xl mx-auto p-4">
      <h1 class="text-2xl font-bold">Something went wrong</h1>
      <p class="mt-2">
        The server could not answer this request. Try again in a moment.
      </p>
    </main>
  );
}
