import { useState, type CSSProperties } from 'react';

/**
 * A product's picture. The demo catalog has no photos (`imageUrl: null`), so most
 * products get a drawn stand-in: a tile in a colour of their own with their initials,
 * made of CSS alone (no request, nothing to fail, nothing for the layout to wait for).
 * A real `imageUrl` is shown as an image with its size reserved (no layout shift) and
 * falls back to the stand-in if it does not load.
 *
 * The stand-in is decorative where the product's name is next to it (cards, lines):
 * pass `label` only where the picture stands alone (the product page).
 */
export function ProductArt({
  productId,
  name,
  imageUrl = null,
  label,
  size = 'card',
}: {
  productId: string;
  name: string;
  imageUrl?: string | null;
  /** What a screen reader hears for the picture; leave out when it is decorative. */
  label?: string;
  size?: 'card' | 'large' | 'thumb';
}) {
  const [failed, setFailed] = useState(false);
  const className = `art art-${size}`;
  if (imageUrl && !failed) {
    const [width, height] = size === 'thumb' ? [64, 64] : [480, 360];
    return (
      <img
        className={className}
        src={imageUrl}
        alt={label ?? ''}
        width={width}
        height={height}
        loading={size === 'large' ? 'eager' : 'lazy'}
        decoding="async"
        onError={() => setFailed(true)}
      />
    );
  }
  const hue = hueOf(productId);
  return (
    <div
      className={`${className} art-drawn`}
      style={{ '--hue': hue } as CSSProperties}
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}
    >
      <span className="art-initials">{initials(name)}</span>
    </div>
  );
}

/** A stable hue (0–359) for an id: the same product always gets the same colour. */
export function hueOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}

/** "Pour-over Kettle" → "PK"; "Gift Card $25" → "GC". */
export function initials(name: string): string {
  const words = name.split(/[\s-]+/).filter((w) => /^\p{L}/u.test(w));
  return (
    words
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase() ?? '')
      .join('') || '?'
  );
}
