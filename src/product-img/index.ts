// The product.img library, for the CLI and the HTTP layer to wire up.
export { buildProductImg, type BuildOptions, type BuildReport, type BuiltEntry } from './build.js';
export { readNewc, writeNewc, type CpioEntry, type CpioInput } from './cpio.js';
export { neededLibraries } from './elf.js';
export { ProductImgError, type ProductImgErrorCode } from './errors.js';
export { loadExpectLibs, parseExpectLibs } from './expect-libs.js';
export { formatInspection, inspectImage, inspectProductImg, type InspectedEntry, type Inspection } from './inspect.js';
export { loadRecipe, parseRecipe, recipeSchema, type Recipe, type RecipeFile } from './recipe.js';
export { parseRpm, readRpm, type RpmEntry, type RpmFile, type RpmPackage } from './rpm.js';
