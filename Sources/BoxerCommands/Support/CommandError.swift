import BoxerSupport

/// A failure a command reports as it is, without ArgumentParser's usage text (that is for
/// malformed command lines, `ValidationError`).
struct CommandError: BoxerError {
    let description: String
    init(_ description: String) { self.description = description }
    var kindName: String { "CommandError" }
}
