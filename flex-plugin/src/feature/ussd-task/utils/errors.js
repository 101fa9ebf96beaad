/**
 * What our log lines say about an error: its kind and code, never its message. A message
 * may quote the caller's number or answers (a refused destination, a value that broke
 * rendering), and no log line may carry those (DESIGN §7).
 */
export const errorSummary = (error) => {
  if (!error || typeof error !== 'object') {
    return typeof error;
  }
  const name = typeof error.name === 'string' && error.name ? error.name : 'Error';
  const code = typeof error.code === 'number' || typeof error.code === 'string' ? ` (code ${error.code})` : '';
  return `${name}${code}`;
};
