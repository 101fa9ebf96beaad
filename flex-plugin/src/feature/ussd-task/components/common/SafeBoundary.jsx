import React from 'react';
import PropTypes from 'prop-types';

import { errorSummary } from '../../utils/errors';

/**
 * Last line of defence for the task panel: if rendering ever throws (an
 * attribute shape nobody anticipated), show a short plain-text fallback instead
 * of taking down Flex's task canvas.
 */
export default class SafeBoundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = { failed: false };
  }

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidCatch(error) {
    // eslint-disable-next-line no-console
    console.error('[plugin-ussd] could not render the USSD task panel:', errorSummary(error));
  }

  render() {
    const { failed } = this.state;
    const { fallback, children } = this.props;
    return failed ? fallback : children;
  }
}

SafeBoundary.propTypes = {
  fallback: PropTypes.node,
  children: PropTypes.node,
};

SafeBoundary.defaultProps = {
  fallback: null,
  children: null,
};
