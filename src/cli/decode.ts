/**
 * Bytes of a source file or a request as text, decoded as VS Code does when a file starts with a
 * byte order mark: UTF-8 (EF BB BF), UTF-16LE (FF FE), UTF-16BE (FE FF); UTF-8 otherwise (invalid
 * sequences become U+FFFD). The BOM is not part of the text.
 */
export type Encoding = 'utf8' | 'utf8bom' | 'utf16le' | 'utf16be';

export function detectEncoding(bytes: Uint8Array): Encoding {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf8bom';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf16be';
  return 'utf8';
}

export function decodeText(bytes: Uint8Array): { text: string; encoding: Encoding } {
  const encoding = detectEncoding(bytes);
  switch (encoding) {
    case 'utf8bom':
      return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding };
    case 'utf16le':
      return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding };
    case 'utf16be': {
      // Swap to little-endian (an odd last byte is dropped, as a decoder would replace it).
      const body = bytes.subarray(2, 2 + ((bytes.length - 2) & ~1));
      const swapped = new Uint8Array(body.length);
      for (let i = 0; i < body.length; i += 2) {
        swapped[i] = body[i + 1];
        swapped[i + 1] = body[i];
      }
      return { text: new TextDecoder('utf-16le').decode(swapped), encoding };
    }
    default: {
      const text = new TextDecoder('utf-8').decode(bytes);
      // A UTF-8 BOM written as text by a tool that decoded it already.
      return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, encoding };
    }
  }
}
