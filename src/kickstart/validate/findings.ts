// What the validator reports: one finding per problem, on the line Anaconda would blame.

export interface Finding {
  line: number;
  severity: 'error' | 'warning';
  code: FindingCode;
  message: string;
}

export type FindingCode =
  | 'SYNTAX'
  | 'UNKNOWN_SECTION'
  | 'UNTERMINATED_SECTION'
  | 'STRAY_END'
  | 'SECTION_OPTION'
  | 'DEPRECATED_SECTION'
  | 'EMPTY_SECTION'
  | 'UNKNOWN_COMMAND'
  | 'REMOVED_COMMAND'
  | 'DEPRECATED_COMMAND'
  | 'UNKNOWN_OPTION'
  | 'DEPRECATED_OPTION'
  | 'BAD_OPTION'
  | 'BAD_ARGUMENTS'
  | 'CONFLICTING_COMMANDS'
  | 'DUPLICATE_COMMAND'
  | 'DUPLICATE_ENTRY'
  | 'PACKAGE_LINE'
  | 'INCLUDE'
  | 'KSAPPEND'
  | 'INCLUDE_IN_SECTION'
  | 'PRE_IN_INCLUDED';
