# Bash completion for nnclr, from the program itself (System.CommandLine's [suggest] directive): commands,
# sub-commands, options and fixed choices. Load it in ~/.bashrc:  source /path/to/nnclr/scripts/nnclr-completion.bash
# (zsh: autoload -U +X bashcompinit && bashcompinit first). dotnet-suggest works too (see README).
_nnclr_complete() {
  local IFS=$'\n' words
  words=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) || return 0
  # shellcheck disable=SC2207
  COMPREPLY=($(compgen -W "$words" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _nnclr_complete nnclr ./nnclr
