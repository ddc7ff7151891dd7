export default function NotFound() {
  return (
    <main class="max-w-3xl mx-auto p-4">
      <h1 class="text-2xl font-bold">Page not found</h1>
      <p class="mt-2">
        There is nothing here.{" "}
        <a class="text-blue-700 underline" href="/">Go to Nexus Call</a>.
      </p>
    </main>
  );
}
