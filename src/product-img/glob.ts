// Path globs for picking files out of rpm payloads: `*` and `?` stay within one path component,
// `**` crosses them, `[...]` is a character class (`[!...]` negated). A leading `/` is ignored, since
// payload paths are stored relative to the root.
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/^\/+/, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        re += '.*';
        i++;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[' && g.indexOf(']', i + 2) > 0) {
      const end = g.indexOf(']', i + 2);
      const body = g.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      const chars = (negate ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
      re += negate ? `[^/${chars}]` : `[${chars}]`;
      i = end;
    } else {
      re += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, 'u');
}

export function globMatches(glob: string, path: string): boolean {
  return globToRegExp(glob).test(path);
}
