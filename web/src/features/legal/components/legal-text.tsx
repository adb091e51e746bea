import type { ReactNode } from 'react';

/**
 * Renders the server's plain-text legal body: blank lines separate paragraphs, a line starting
 * with `## ` is a heading. Everything is rendered as text, never as HTML, so the body cannot
 * inject markup. Single line breaks inside a paragraph are kept (CSS white-space: pre-line).
 */
export function LegalText({ body }: { body: string }) {
  const blocks = body
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  return <div className="legal__body">{blocks.flatMap(renderBlock)}</div>;
}

function renderBlock(block: string, index: number): ReactNode[] {
  if (!block.startsWith('## ')) return [<p key={index}>{block}</p>];
  // Tolerate a heading written directly above its paragraph, without a blank line.
  const [heading = '', ...rest] = block.split('\n');
  const paragraph = rest.join('\n').trim();
  return [
    <h2 key={`${index}-h`}>{heading.slice(3).trim()}</h2>,
    ...(paragraph ? [<p key={`${index}-p`}>{paragraph}</p>] : []),
  ];
}
