// Header tag numbers and data types from rpm's include/rpm/rpmtag.h, only the ones we read.
export const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  FILEDIGESTS: 1035,
  LONGFILESIZES: 5008,
  FILEDIGESTALGO: 5011,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
} as const;

// rpm's PGPHASHALGO numbers → node:crypto names (rpmpgp.h). Absent FILEDIGESTALGO means MD5.
export const HASH_ALGO: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

export const TYPE = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

// %ghost files are listed in the header but never stored in the payload.
export const RPMFILE_GHOST = 1 << 6;
