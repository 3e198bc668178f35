// The scanners every scan runs, each an EntryScanner fed by the single entry pass. One import and one
// entry per scanner.
import { createContainerScanner } from '../containers/scanner'
import { createMalwareScanner } from '../malware/scanner'
import { createSbomScanner } from '../sbom/scanner'
import { createClassifyScanner } from '../classify/scanner'
import type { ScannerFactory } from '../walk/types'

export const SCANNER_FACTORIES: ScannerFactory[] = [
  createMalwareScanner,
  createContainerScanner,
  createSbomScanner,
  createClassifyScanner,
]
