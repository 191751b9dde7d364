/** A button that copies text to the clipboard and says so. */
import { useState } from 'preact/hooks';

export function CopyButton({ label, text }: { label: string; text: () => string }) {
  const [done, setDone] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      setDone('copied');
    } catch {
      setDone('copy refused by the browser');
    }
    setTimeout(() => setDone(null), 1500);
  };
  return (
    <button type="button" class="small" onClick={copy}>
      {done ?? label}
    </button>
  );
}
