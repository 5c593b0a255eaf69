/**
 * What a simulated command answers instead of succeeding: an errno, exactly as the kernel would.
 * The simulated kernel turns it into the same typed error the Linux backend throws.
 */
export class SimFault {
  readonly errno: number;
  /** a verifier or BTF log to attach, when the simulated kernel refuses a load */
  readonly log: string;
  /** how far a batch command got before it failed ("3 of 8 written"), added to the message */
  readonly detail: string;
  constructor(errno: number, log = '', detail = '') {
    this.errno = errno;
    this.log = log;
    this.detail = detail;
  }
}
