/** Entry point of the web inspector: mounts the app and starts following the live event stream. */
import { render } from 'preact';
import { App } from './app.js';
import './style.css';

render(<App />, document.getElementById('app')!);
