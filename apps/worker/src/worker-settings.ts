/** What the activities need from the configuration, as a class so Nest can inject it. */
export class WorkerSettings {
  constructor(
    readonly mailFrom: string,
    readonly abuseDeskEmail: string,
    readonly publicBaseUrl: string,
  ) {}
}
