import React from 'react';
import PropTypes from 'prop-types';
import { ThemeProvider } from '@twilio-paste/core/styling-library';
import { DarkTheme, DefaultTheme } from '@twilio-paste/core/theme';

/**
 * Gives this plugin's Paste components a Paste theme. The plugin bundles its own
 * copy of Paste (and of its styling library), which cannot see the theme
 * context of Flex's copy, so without this the components would render
 * unstyled. Only a theme context is added: no global styles, no wrapper element.
 * Follows Flex's light/dark setting when the Flex theme is passed in.
 */
const PasteThemeScope = ({ flexTheme, children }) => {
  const theme = flexTheme && flexTheme.isLight === false ? DarkTheme : DefaultTheme;
  return <ThemeProvider theme={theme}>{children}</ThemeProvider>;
};

PasteThemeScope.propTypes = {
  flexTheme: PropTypes.shape({ isLight: PropTypes.bool }),
  children: PropTypes.node,
};

PasteThemeScope.defaultProps = {
  flexTheme: undefined,
  children: null,
};

export default PasteThemeScope;
