import Foundation

/// A piece of a string literal: text, or `#{code}` to evaluate.
enum StringPart: Equatable, Sendable {
    case text(String)
    case code(String, SourceLocation)
}

enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case constant(String)
    case globalVariable(String)
    case instanceVariable(String)
    /// `name:` in a hash or keyword argument.
    case label(String)
    case integer(Int)
    case float(Double)
    case string([StringPart])
    case symbol(String)
    case words([String], symbols: Bool)
    case regex(String, options: String)
    case keyword(String)
    case op(String)
    case newline
    /// `` `command` `` or `%x(command)`: a shell command, run when evaluated.
    case command([StringPart])
    case eof
}

struct Token: Equatable, Sendable {
    let kind: TokenKind
    let location: SourceLocation
    /// Whitespace came right before it: Ruby uses this to tell `foo -1` from `foo - 1`.
    let spaceBefore: Bool
}
