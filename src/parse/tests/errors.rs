//! Each error: where it points (line:col) and what it tells the user to do.

use super::*;

#[test]
fn unknown_statement_full_render() {
    let rendered = fails(
        "allow read /a\nalow read /usr\n",
        "2:1: error: unknown statement `alow`",
        "did you mean `allow`?",
    );
    assert_eq!(
        rendered,
        "t.llp:2:1: error: unknown statement `alow`\n  |\n2 | alow read /usr\n  | ^^^^\n  = hint: did you mean `allow`?\n"
    );
    fails(
        "Allow read /x",
        "1:1: error: unknown statement `Allow`",
        "did you mean `allow`? These words are lowercase",
    );
    fails(
        "frobnicate /x",
        "1:1: error: unknown statement `frobnicate`",
        "expected one of: `include`, `include?`, `set`",
    );
    fails(
        "/usr/bin",
        "1:1: error: a statement cannot start with the pattern `/usr/bin`",
        "start with a keyword, e.g. `allow read /usr/bin`",
    );
    fails(
        "\"allow\" read /x",
        "1:1: error: a statement starts with a keyword, not a quoted word",
        "e.g. `allow read allow`",
    );
    fails(
        "else {",
        "1:1: error: `else` must follow the `}` that closes the `if` block",
        "write `} else {` on one line",
    );
    fails(
        "{",
        "1:1: error: unexpected `{`",
        "`{` goes at the end of an `if` line",
    );
}

#[test]
fn rule_errors_name_the_statement() {
    let r = fails(
        "allow",
        "1:6: error: `allow` needs an access word and at least one pattern",
        "e.g. `allow read /usr/share`",
    );
    assert!(r.contains("1 | allow\n  |      ^\n"), "{r}");
    fails(
        "deny read",
        "1:10: error: `deny read` needs at least one pattern",
        "e.g. `deny read /usr/share`",
    );
    fails(
        "allow /usr",
        "1:7: error: `allow` needs an access word before the pattern",
        "e.g. `allow read /usr`; access words are `read`",
    );
    fails(
        "allow \"/a b\"",
        "1:7: error: `allow` needs an access word before the pattern",
        "e.g. `allow read /a b`",
    );
    fails(
        "allow tcp 80",
        "1:7: error: `allow tcp` needs `connect` or `bind` first",
        "e.g. `allow connect tcp 443`",
    );
    fails(
        "allow read /x {",
        "1:15: error: unexpected `{`",
        "only an `if` line opens a block",
    );
    fails(
        "allow read \"\"",
        "1:12: error: empty pattern",
        "patterns are absolute paths or globs",
    );
}

#[test]
fn access_word_errors() {
    fails(
        "allow raed /x",
        "1:7: error: unknown access word `raed`",
        "did you mean `read`?",
    );
    fails(
        "allow read,exce /x",
        "1:12: error: unknown access word `exce`",
        "did you mean `exec`?",
    );
    fails(
        "allow fs.make_sok /x",
        "1:7: error: unknown Landlock right `fs.make_sok`",
        "did you mean `fs.make_sock`?",
    );
    fails(
        "allow zzzzzz /x",
        "1:7: error: unknown access word `zzzzzz`",
        "access words are `read`, `list`",
    );
    fails(
        "allow read, exec /x",
        "1:12: error: empty access word",
        "separate access words with one comma and no blanks, e.g. `read,exec`",
    );
    fails(
        "allow read,,exec /x",
        "1:12: error: empty access word",
        "one comma and no blanks",
    );
    fails(
        "allow read,connect tcp 80",
        "1:12: error: `connect` cannot be combined with other access words",
        "e.g. `allow connect tcp 443`",
    );
}

#[test]
fn ask_cannot_cover_exec() {
    let hint = "use `allow exec PATTERN` for programs that may run, and ask only for the other rights, e.g. `ask rw PATTERN`";
    let exec = "error: `ask exec`: exec cannot be granted at run time, because the kernel checks exec on the file itself";
    fails("ask exec /x", &format!("1:5: {exec}"), hint);
    fails("ask read,exec /x", &format!("1:10: {exec}"), hint);
    fails(
        "ask all /x",
        "1:5: error: `ask all` includes exec, which cannot be granted at run time, because the kernel checks exec on the file itself",
        hint,
    );
    fails(
        "ask fs.execute /x",
        "1:5: error: `ask fs.execute`: exec cannot be granted at run time, because the kernel checks exec on the file itself",
        hint,
    );
}

#[test]
fn dbus_errors() {
    fails(
        "dbus talk org",
        "1:11: error: invalid bus name `org`: a bus name has at least two elements separated by dots, e.g. `org.example.App`",
        "bus names look like",
    );
    fails(
        "dbus tlak org.a.B",
        "1:6: error: unknown D-Bus verb `tlak`",
        "did you mean `talk`?",
    );
    fails(
        "dbus call org.a.B",
        "1:11: error: `dbus call` needs `NAME=RULE`",
        "e.g. `dbus call",
    );
    fails(
        "dbus own org.a.B=x",
        "1:10: error: `dbus own` takes a bus name, not `NAME=RULE`",
        "dbus call NAME=RULE",
    );
    fails(
        "dbus call org.a.B=org.a.B.1x",
        "1:11: error: invalid rule `org.a.B.1x`: `1x` is not a method name (or `*`)",
        "a rule is `INTERFACE.METHOD`",
    );
    fails(
        "dbus",
        "1:5: error: `dbus` needs a verb and a bus name",
        "verbs are see, talk, own, call, broadcast",
    );
    fails(
        "dbus talk ${APP}.x",
        "1:11: error: variables are not expanded in bus names",
        "write the name out",
    );
}

#[test]
fn unix_socket_rule_errors() {
    fails(
        "allow connect unix",
        "1:19: error: `allow connect unix` needs at least one pattern",
        "e.g. `allow connect unix /run/user/*/wayland-*`",
    );
    fails(
        "deny bind unix /run/x",
        "1:6: error: `bind unix` is not a rule: binding makes a socket file, which `create` covers",
        "write `deny fs.make_sock DIR`",
    );
    fails(
        "allow connect unix \"\"",
        "1:20: error: empty pattern",
        "patterns are absolute paths",
    );
}

#[test]
fn network_errors() {
    let r = fails(
        "allow connect tcp 80,70000",
        "1:22: error: port 70000 is out of range 1–65535",
        "ports are `443`",
    );
    assert!(r.contains("|                      ^^^^^\n"), "{r}");
    fails(
        "allow connect tcp 99999999999999999999",
        "1:19: error: port 99999999999999999999 is out of range 1–65535",
        "ports are",
    );
    fails(
        "allow bind tcp 8100-8000",
        "1:16: error: reversed port range `8100-8000`",
        "write the lower port first: `8000-8100`",
    );
    fails(
        "allow bind tcp 8000-70000",
        "1:21: error: port 70000 is out of range 1–65535",
        "ports are",
    );
    fails(
        "allow connect udp 53",
        "1:15: error: only `tcp` is supported: Landlock restricts TCP `connect` and `bind` only",
        "write `tcp`",
    );
    fails(
        "allow connect tpc 53",
        "1:15: error: unknown protocol `tpc`",
        "did you mean `tcp`?",
    );
    fails(
        "allow connect 443",
        "1:15: error: `allow connect` needs the protocol before the ports",
        "write `allow connect tcp 443`",
    );
    fails(
        "allow connect",
        "1:14: error: `allow connect` needs a protocol and ports",
        "e.g. `allow connect tcp 443`",
    );
    fails(
        "ask bind tcp",
        "1:13: error: `ask bind tcp` needs ports",
        "ports are `443`, a range `8000-8100`",
    );
    fails(
        "allow connect tcp 0",
        "1:19: error: port 0 cannot be named",
        "ports are 1–65535; `*` means any port",
    );
    fails(
        "allow connect tcp http",
        "1:19: error: `http` is not a port",
        "ports are",
    );
    fails(
        "allow connect tcp 80,",
        "1:22: error: empty port in the list",
        "ports are",
    );
    fails(
        "allow connect tcp -5",
        "1:19: error: an empty port is not a port",
        "ports are",
    );
    fails(
        "allow connect tcp 80 443",
        "1:22: error: unexpected `443`",
        "separate ports with commas and no blanks, e.g. `80,443`",
    );
}

#[test]
fn scope_and_requirement_errors() {
    fails(
        "isolate signal",
        "1:9: error: unknown scope `signal`",
        "did you mean `signals`?",
    );
    fails(
        "isolate abstract_unix",
        "1:9: error: unknown scope `abstract_unix`",
        "did you mean `abstract-unix`?",
    );
    fails(
        "isolate",
        "1:8: error: `isolate` needs a scope",
        "e.g. `isolate signals`",
    );
    fails(
        "require abi x",
        "1:13: error: `x` is not an ABI version",
        "write a number",
    );
    fails(
        "require abi 1000",
        "1:13: error: ABI version 1000 is too large",
        "Landlock ABI versions are small numbers",
    );
    fails(
        "require api 4",
        "1:9: error: unknown requirement `api`",
        "did you mean `abi`?; write `require abi N`",
    );
    fails(
        "require abi",
        "1:12: error: `require abi` needs a number",
        "e.g. `require abi 4`",
    );
    fails(
        "require abi 4 5",
        "1:15: error: unexpected `5`",
        "`require abi` takes one number",
    );
    fails(
        "compat best_effort",
        "1:8: error: unknown compat mode `best_effort`",
        "did you mean `best-effort`?",
    );
    fails(
        "compat",
        "1:7: error: `compat` needs a mode",
        "write `compat strict` or `compat best-effort`",
    );
}

#[test]
fn include_errors() {
    fails(
        "include <../x>",
        "1:10: error: a profile name must not contain `..`, `.` or empty components",
        "name the profile as found",
    );
    fails(
        "include <a/../../etc/x>",
        "1:10: error: a profile name must not contain `..`, `.` or empty components",
        "name the profile",
    );
    fails(
        "include <a b>",
        "1:9: error: unclosed `<`",
        "write `<NAME>` with no blanks inside",
    );
    // Found by the parse fuzz target: the grammar ends the name at its first `>`.
    fails(
        "include <abstractions/base>eadonly>",
        "1:10: error: a profile name ends at the first `>`",
        "nothing after its `>`",
    );
    fails(
        "include </etc/x>",
        "1:10: error: `<…>` names a profile on the search path, not an absolute path",
        "write an absolute path in quotes",
    );
    fails(
        "include <${X}>",
        "1:10: error: variables are not expanded inside `<…>`",
        "write the path in quotes instead",
    );
    fails(
        "include <>",
        "1:10: error: empty profile name in `<>`",
        "name a profile",
    );
    fails(
        "include abstractions/base.llp",
        "1:9: error: `include` needs `<NAME>` or `\"PATH\"`",
        "write `include <abstractions/base>` to search",
    );
    fails(
        "include? ",
        "1:9: error: `include?` needs a file",
        "e.g. `include? <abstractions/base>`",
    );
    fails(
        "include <a> <b>",
        "1:13: error: unexpected `<b>`",
        "`include` takes one file",
    );
    fails(
        "include \"\"",
        "1:9: error: empty include path",
        "name a file",
    );
}

#[test]
fn set_and_env_errors() {
    fails(
        "set 1X = 2",
        "1:5: error: `1X` is not a valid variable name",
        "names are letters, digits and `_`",
    );
    fails(
        "set ${X} = 2",
        "1:5: error: `${X}` is not a valid variable name",
        "name the variable without `${…}`: `set X = …`",
    );
    fails(
        "set X",
        "1:6: error: `set X` needs `= VALUE`",
        "e.g. `set APP_DIR = \"/opt/app\"`",
    );
    fails(
        "set X =",
        "1:8: error: `set X =` needs a value",
        "write `\"\"` for an empty value",
    );
    fails(
        "set X : 1",
        "1:7: error: expected `=` after the variable name",
        "e.g. `set APP_DIR",
    );
    fails(
        "set X = a b",
        "1:11: error: unexpected `b`",
        "`set` takes one value; quote it if it contains blanks",
    );
    fails(
        "set",
        "1:4: error: `set` needs a name and a value",
        "e.g. `set APP_DIR",
    );
    fails(
        "set X-Y=1",
        "1:5: error: `X-Y` is not a valid variable name",
        "names are letters",
    );
    fails(
        "env",
        "1:4: error: `env` needs `keep`, `unset` or `set`",
        "e.g. `env keep LANG LC_*`",
    );
    fails(
        "env kep A",
        "1:5: error: unknown env action `kep`",
        "did you mean `keep`?",
    );
    fails(
        "env keep",
        "1:9: error: `env keep` needs at least one name",
        "e.g. `env keep",
    );
    fails(
        "env set",
        "1:8: error: `env set` needs at least one `NAME=VALUE`",
        "e.g. `env keep",
    );
    fails(
        "env set A",
        "1:9: error: expected `NAME=VALUE`",
        "e.g. `env set EDITOR=vi`",
    );
    fails(
        "env set \"A=1\"",
        "1:9: error: expected `NAME=VALUE`",
        "quote only the value: `NAME=\"some value\"`",
    );
    fails(
        "env set =1",
        "1:9: error: an empty name is not a valid variable name",
        "names are letters",
    );
    fails(
        "env unset A=1",
        "1:11: error: `env unset` takes names, not `NAME=VALUE`",
        "use `env set NAME=VALUE`",
    );
    fails(
        "env keep LC_[",
        "1:10: error: `LC_[` is not a valid name pattern: unclosed character class; missing ']'",
        "globs use",
    );
    fails(
        "env keep ${X}",
        "1:10: error: variables are not expanded in environment names",
        "write the name itself",
    );
    fails(
        "env set A=1\"b\"",
        "1:12: error: a quote can only start a word",
        "put the whole word in quotes",
    );
}

#[test]
fn condition_errors() {
    fails(
        "if exists /x {\nallow read /x\n",
        "1:1: error: this `if` block is never closed",
        "add a line with `}` after the last statement of the block",
    );
    fails(
        "if env A {\n  if env B {\n  }\n",
        "1:1: error: this `if` block is never closed",
        "add a line with `}`",
    );
    fails(
        "allow read /x\n}\n",
        "2:1: error: unmatched `}`",
        "there is no open `if` block here",
    );
    fails(
        "} else {",
        "1:1: error: `} else {` without an `if` block to close",
        "`else` follows an `if COND {` block",
    );
    fails(
        "if env X {\n} else {\n} else {\n}",
        "3:3: error: this `if` block already has an `else`",
        "an `if` has at most one `else`",
    );
    fails(
        "if env X {\n} else if env Y {\n}",
        "2:8: error: `else if` is not supported",
        "write `} else {`, put the inner `if … {` on the next line",
    );
    fails(
        "if env X {\n} allow read /x",
        "2:3: error: unexpected `allow`",
        "`}` stands alone on its line",
    );
    fails(
        "if env X {\n}else{",
        "2:1: error: `}` must stand alone",
        "put `}` on its own line, or write `} else {` with blanks",
    );
    fails(
        "if env X {\n} else",
        "2:7: error: `else` needs `{`",
        "write `} else {`",
    );
    fails(
        "if exists /x{\n}",
        "1:11: error: missing blank before `{`",
        "write `/x {`",
    );
    fails(
        "if exists /x\n",
        "1:13: error: an `if` line must end with `{`",
        "e.g. `if exists /opt/app {`",
    );
    fails(
        "if {\n}",
        "1:3: error: `if` needs a condition",
        "e.g. `if exists /opt/app {`; conditions are",
    );
    fails(
        "if\n",
        "1:3: error: `if` needs a condition and `{`",
        "e.g. `if exists /opt/app {`",
    );
    fails(
        "if exist /x {\n}",
        "1:4: error: unknown condition `exist`",
        "did you mean `exists`?",
    );
    fails(
        "if abi>=6 {\n}",
        "1:4: error: unknown condition `abi>=6`",
        "separate the words with blanks: `abi >= 6`",
    );
    fails(
        "if abi = 6 {\n}",
        "1:8: error: unknown comparison `=`",
        "did you mean `==`?",
    );
    fails(
        "if abi 6 {\n}",
        "1:8: error: unknown comparison `6`",
        "write the comparison first, e.g. `abi >= 6`",
    );
    fails(
        "if abi >= {\n}",
        "1:10: error: `abi >=` needs a version number",
        "e.g. `if abi >= 6 {`",
    );
    fails(
        "if abi >= six {\n}",
        "1:11: error: `six` is not an ABI version",
        "write a number",
    );
    fails(
        "if exists {\n}",
        "1:10: error: `exists` needs a path",
        "e.g. `if exists /opt/app {`",
    );
    fails(
        "if exists /a b {\n}",
        "1:14: error: unexpected `b`",
        "quote a path that contains blanks",
    );
    fails(
        "if env 1A {\n}",
        "1:8: error: `1A` is not an environment variable name",
        "names are letters",
    );
    fails(
        "if not not env A {\n}",
        "1:8: error: `not not` cancels out",
        "remove both `not`s",
    );
}

#[test]
fn word_errors() {
    let r = fails(
        "allow read \"/x",
        "1:12: error: unterminated quote",
        "close the word with `\"` on the same line",
    );
    assert!(r.contains("1 | allow read \"/x\n  |            ^\n"), "{r}");
    fails(
        "allow read \"/x\\\n/y\"",
        "1:12: error: unterminated quote",
        "close the word",
    );
    fails(
        "allow read /a/${",
        "1:15: error: unterminated `${`",
        "write `${NAME}`; for a literal `$` before `{`, quote the word and write `\\$`",
    );
    fails(
        "allow read /a/${1X}/b",
        "1:15: error: `1X` is not a variable name",
        "names are letters, digits and `_`",
    );
    fails(
        "allow read \"/ü/${A B}\"",
        "1:16: error: `A B` is not a variable name",
        "names are letters",
    );
    fails(
        "allow read /a/${}",
        "1:15: error: empty variable reference `${}`",
        "write `${NAME}`",
    );
    fails(
        "allow read \"a\\qb\"",
        "1:14: error: unknown escape `\\q`",
        "inside quotes, `\\` escapes only",
    );
    fails(
        "allow read /a\"b\"",
        "1:14: error: a quote can only start a word",
        "put the whole word in quotes",
    );
    fails(
        "allow read \"/a\"b",
        "1:16: error: missing blank after the closing quote",
        "separate words with a blank",
    );
    fails(
        "allow read /x \\ \nallow read /y",
        "1:15: error: `\\` continues a line only as its very last character",
        "remove the blanks",
    );
}

#[test]
fn text_errors() {
    let empty = "write at least one statement, e.g. `include <abstractions/base>`";
    fails("", "1:1: error: profile is empty", empty);
    fails(
        "# only\n  # comments\n\n",
        "1:1: error: profile is empty",
        empty,
    );
    fails(
        "allow read /x\0",
        "1:14: error: not a text profile: it contains a NUL byte",
        "profiles are UTF-8 text files",
    );
    fails(
        "\x7fELF\x02\x01\x01\0\0\0",
        "1:8: error: not a text profile: it contains a NUL byte",
        "profiles are UTF-8 text files",
    );
    fails(
        "allow read /x\x1b[0m",
        "1:14: error: control character U+001B in the profile",
        "remove it",
    );
    fails(
        "allow read /x\rallow",
        "1:14: error: carriage return without a newline",
        "remove it",
    );
    fails(
        "allow read /\u{FFFD}",
        "1:13: error: the profile is not valid UTF-8 here",
        "save the file as UTF-8 text",
    );
}

#[test]
fn glued_words_outside_assignments() {
    fails(
        "set X =\"a\"",
        "1:8: error: a quote can only start a word",
        "put the whole word in quotes",
    );
    fails(
        "set X=\"a\"b",
        "1:10: error: missing blank after the closing quote",
        "separate words",
    );
    fails(
        "env keep A\"b\"",
        "1:11: error: a quote can only start a word",
        "put the whole word in quotes",
    );
    fails(
        "env set A=\"b\"\"c\"",
        "1:14: error: a quote can only start a word",
        "put the whole word in quotes",
    );
    fails(
        "if exists \"/a\"/b {\n}",
        "1:15: error: missing blank after the closing quote",
        "separate words",
    );
}

#[test]
fn c1_controls_and_unicode_text() {
    fails(
        "allow read /a\u{85}b",
        "1:14: error: control character U+0085 in the profile",
        "remove it",
    );
    fails(
        "allow read /a\u{9f}",
        "1:14: error: control character U+009F in the profile",
        "remove it",
    );
    // Other characters with the same lead bytes are fine.
    assert!(run("allow read /é/\u{A0}/\u{FFFC}/\u{FEFF}x").is_ok());
}

#[test]
fn misplaced_keywords_and_blocks() {
    fails(
        "read /usr",
        "1:1: error: unknown statement `read`",
        "rules start with `allow`, `deny` or `ask`, e.g. `allow read …`",
    );
    fails(
        "include<abstractions/base>",
        "1:1: error: unknown statement `include<abstractions/base>`",
        "put a blank after `include`",
    );
    fails(
        "include?<x>",
        "1:1: error: unknown statement `include?<x>`",
        "put a blank after `include?`",
    );
    fails(
        "isloate signals",
        "1:1: error: unknown statement `isloate`",
        "did you mean `isolate`?",
    );
    fails(
        "if exists /x { allow read /x }",
        "1:14: error: a block's statements go on the lines after `{`",
        "end the `if` line with `{`",
    );
}
