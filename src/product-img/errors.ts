// product.img errors live in the one catalog (src/errors.ts); this name stays so the product-img
// modules keep importing their error from beside them.
export { ProductImgError, type ProductImgErrorCode } from '../errors.js';
