import { ActionIcon, Box, CopyButton, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useMemo } from 'react';
import { tokenizeJson, type JsonTokenKind } from '../lib/json-highlight';
import classes from './JsonView.module.css';

const CLASS_BY_KIND: Record<JsonTokenKind, string | undefined> = {
  key: classes.key,
  string: classes.string,
  number: classes.number,
  boolean: classes.literal,
  null: classes.literal,
  punctuation: classes.punctuation,
  whitespace: undefined,
  invalid: undefined,
};

/** Pretty-printed, coloured JSON; every token is a text node (no HTML from content). */
export function JsonView({ value }: { value: unknown }) {
  const text = useMemo(() => JSON.stringify(value, null, 2), [value]);
  const tokens = useMemo(() => tokenizeJson(text), [text]);
  return (
    <Box className={classes.root}>
      <CopyButton value={text} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy JSON'} withArrow position="left">
            <ActionIcon className={classes.copy} variant="default" onClick={copy} aria-label="Copy JSON">
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
      <pre className={classes.code} data-testid="json-view">
        {tokens.map((token, index) => {
          const className = CLASS_BY_KIND[token.kind];
          return className ? (
            <span key={index} className={className}>
              {token.text}
            </span>
          ) : (
            token.text
          );
        })}
      </pre>
    </Box>
  );
}
