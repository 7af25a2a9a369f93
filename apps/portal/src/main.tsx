import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { takeToken } from './session';
import './styles.css';

const token = takeToken();
const prefersDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App token={token} prefersDark={prefersDark} />
  </StrictMode>,
);
