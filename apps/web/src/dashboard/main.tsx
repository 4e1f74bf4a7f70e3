import '../zod-csp.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installErrorReporter } from '../report-errors.ts';
import { App } from './app.tsx';
import './dashboard.css';

installErrorReporter();

const root = document.getElementById('root');
if (!root) throw new Error('the dashboard page has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
