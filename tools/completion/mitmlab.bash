# bash completion for mitmlab, alice, bob, mallory and mitmlab-keygen.
# Installed as $(PREFIX)/share/bash-completion/completions/{mitmlab,alice,bob,mallory,mitmlab-keygen}.

# The catalog's scenario names, from where `mitmlab list` reads them.
_mitmlab_scenarios() {
	mitmlab list 2>/dev/null | awk '$2 ~ /^[0-9][0-9]-/ {print $2}'
}

_mitmlab() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "list show run replay judge check grade shell --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--out) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--jobs | --idle) return ;;
	esac
	case $cmd in
	show | run | check)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--out --json --headless --ascii --interactive --hold --paused --idle --jobs" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_mitmlab_scenarios)" -- "$cur") $(compgen -f -X '!*.ini' -- "$cur"))
		fi
		;;
	replay) COMPREPLY=($(compgen -d -- "$cur")) ;;
	judge)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--json $(_mitmlab_scenarios)" -- "$cur"))
		fi
		;;
	grade) COMPREPLY=($(compgen -W "--out --jobs" -- "$cur") $(compgen -f -X '!*.ini' -- "$cur")) ;;
	shell) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "alice bob mallory switch" -- "$cur")) ;;
	esac
}

# The programs' own options, from their --help (every option line starts "  --").
_mitmlab_prog() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$1" --help 2>/dev/null | grep -o -- '--[a-z0-9-]*' | sort -u)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -F _mitmlab mitmlab
complete -F _mitmlab_prog alice bob mallory mitmlab-keygen
