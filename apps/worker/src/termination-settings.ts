/** Where termination cases send their review tasks; apart from WorkerSettings so the notice's settings stay as they are. */
export class TerminationSettings {
  constructor(
    readonly legalEmail: string,
    /** The letterhead of the formal letters. */
    readonly providerName: string,
  ) {}
}
