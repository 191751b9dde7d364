/** The inspector's frame: a header bar, the connections, and the tabs for the selected connection. */
export function App() {
  return (
    <div class="app">
      <header class="bar">
        <h1>wsinspect</h1>
      </header>
      <main>
        <p>Waiting for events…</p>
      </main>
    </div>
  );
}
