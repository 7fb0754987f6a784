import MediaRouter

extension GraphService: ControlledGraph {
    public var runningGraph: Graph { graph }
    public var graphEvents: GraphEvents { events }

    public func reload(text: String?, dryRun: Bool) async -> ControlReloadResult {
        let r = await reload(trigger: .api, text: text, dryRun: dryRun)
        return ControlReloadResult(record: r.record, diagnostics: r.diagnostics)
    }
}
