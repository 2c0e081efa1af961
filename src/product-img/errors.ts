// Every way a product.img build can fail, as one class. The message is one line that starts with the
// file at fault (an RPM, a recipe, the output), so the CLI and the HTTP layer can print it as is.
export type ProductImgErrorCode =
  | 'NOT_RPM'
  | 'TRUNCATED'
  | 'CORRUPT_HEADER'
  | 'UNKNOWN_COMPRESSOR'
  | 'CORRUPT_PAYLOAD'
  | 'NOT_IMAGE'
  | 'BAD_PATH'
  | 'TAKE_UNMATCHED'
  | 'MISSING_LIBS'
  | 'BAD_RECIPE'
  | 'BAD_INPUT'
  | 'NO_OUTPUT_DIR'
  | 'XZ_FAILED'
  | 'WRITE_FAILED';

export class ProductImgError extends Error {
  constructor(
    readonly code: ProductImgErrorCode,
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ProductImgError';
  }
}
